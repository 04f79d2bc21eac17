//! One module per rule category. The category is the part of a rule id
//! before the `/`.
