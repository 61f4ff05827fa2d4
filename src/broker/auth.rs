//! Who may connect: the authentication hook.

use std::collections::BTreeMap;

/// The answer of an [`Authenticator`] to a CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthDecision {
    /// Let the client in.
    Allow,
    /// Wrong user name or password: CONNACK 0x86 (3.1.1: 0x04).
    BadCredentials,
    /// Known but not allowed: CONNACK 0x87 (3.1.1: 0x05).
    NotAuthorized,
}

/// Decides whether a CONNECT may open a session. The default broker lets everyone in.
pub trait Authenticator {
    /// Checks the client identifier, user name and password of a CONNECT.
    fn authenticate(
        &mut self,
        client_id: &str,
        username: Option<&str>,
        password: Option<&[u8]>,
    ) -> AuthDecision;
}

/// Lets every client in.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Anonymous;

impl Authenticator for Anonymous {
    fn authenticate(&mut self, _: &str, _: Option<&str>, _: Option<&[u8]>) -> AuthDecision {
        AuthDecision::Allow
    }
}

/// A table of user names and passwords. A client without a user name is
/// allowed only if `allow_anonymous` is set; a user name not in the table, or
/// a wrong password, is refused as bad credentials.
#[derive(Debug, Default, Clone)]
pub struct PasswordTable {
    users: BTreeMap<String, Vec<u8>>,
    /// Whether clients that send no user name may connect.
    pub allow_anonymous: bool,
}

impl PasswordTable {
    /// An empty table that refuses anonymous clients.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a user.
    pub fn with_user(mut self, username: &str, password: &[u8]) -> Self {
        self.users.insert(username.to_owned(), password.to_vec());
        self
    }
}

impl Authenticator for PasswordTable {
    fn authenticate(
        &mut self,
        _client_id: &str,
        username: Option<&str>,
        password: Option<&[u8]>,
    ) -> AuthDecision {
        match username {
            None if self.allow_anonymous => AuthDecision::Allow,
            None => AuthDecision::NotAuthorized,
            Some(u) => match self.users.get(u) {
                Some(p) if Some(p.as_slice()) == password => AuthDecision::Allow,
                _ => AuthDecision::BadCredentials,
            },
        }
    }
}
