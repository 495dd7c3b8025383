//! Authentication: access tokens (JWT, HS256) and opaque refresh tokens.

mod tokens;

pub use tokens::{AccessToken, Caller, Claims, RefreshToken, TokenService, hash_refresh_secret, random_id};
