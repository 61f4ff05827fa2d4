//! Fuzz target: see `mqtt_lab_fuzz::client`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_lab_fuzz::client(data));
