//! Exo on ECP5 boards.

pub mod design;
pub mod rtl;
