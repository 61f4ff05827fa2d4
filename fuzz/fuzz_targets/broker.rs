//! Fuzz target: see `mqtt_lab_fuzz::broker`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_lab_fuzz::broker(data));
