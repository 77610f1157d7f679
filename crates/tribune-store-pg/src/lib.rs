//! Tribune on PostgreSQL (work in progress).
