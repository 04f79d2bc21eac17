//! Renders a [`crate::Report`] as human text (like rustc), JSON or SARIF 2.1.0.
