//! The application layer: every write the site makes, with what it sets in motion. A route
//! (HTML form or JSON API alike) reads the request, checks who may, and calls one function
//! here; that function writes through the store and then announces it: the event that drops
//! the cached pages showing it (`CacheKey::dropped_by`) and tells the bus (search, streams),
//! the poke that sends a match write to the live streams at once, the lesson the moderation
//! model learns, the mail. So no route has to remember a side effect, and a form and its
//! JSON twin cannot drift apart.
//!
//! Below the routes and above the node's parts: this room uses the state and what it holds
//! (store, cache, live streams, model, mailer) and auth's helpers, never a route or a view.

pub mod accounts;
pub mod articles;
pub mod comments;
pub mod matches;
pub mod moderation;
pub mod polls;
pub mod tokens;
pub mod topics;
