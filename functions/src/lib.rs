//! BayStore Worker.
