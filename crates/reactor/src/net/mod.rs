//! Sockets: TCP, UDP and Unix, each a thin layer over [`Async`](crate::Async).

pub(crate) mod tcp;
pub(crate) mod udp;
pub(crate) mod unix;
