//! Authentication: access tokens (JWT, HS256) and opaque refresh tokens.

mod tokens;

pub use tokens::{AccessToken, Caller, Claims, RefreshToken, TokenService, random_id};
