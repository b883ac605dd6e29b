//! What holds Exo to its reference: the seeded rack simulator, fault injection, the safety and
//! progress checkers, scripted scenarios and randomized fault plans.

pub mod faults;
pub mod ledger;
pub mod model_check;
pub mod net;
pub mod progress;
pub mod rack;
pub mod report;
pub use exo_proto::rng;
pub mod safety;
pub mod scenario;
pub mod swarm;
pub mod view;
pub mod workload;
