//! Extended authentication (MQTT 5.0 §4.12): the client's half of a
//! challenge/response exchange, supplied by the application.

use bytes::Bytes;

/// The client's side of an extended authentication method (e.g. SCRAM).
///
/// The client calls [`Authenticator::start`] for every CONNECT, then
/// [`Authenticator::step`] for every AUTH with reason Continue authentication
/// the server sends, and [`Authenticator::finish`] with the data in a
/// successful CONNACK. An `Err` ends the connection with
/// [`ClientError::AuthFailed`](super::ClientError::AuthFailed).
pub trait Authenticator {
    /// The Authentication Method and the initial Authentication Data for CONNECT.
    fn start(&mut self) -> (String, Option<Bytes>);

    /// Answers the server's challenge; the returned data goes in an AUTH packet.
    fn step(&mut self, data: Option<Bytes>) -> Result<Option<Bytes>, String>;

    /// Checks the data of the successful CONNACK (e.g. a server signature).
    fn finish(&mut self, data: Option<Bytes>) -> Result<(), String> {
        let _ = data;
        Ok(())
    }
}
