//! loopsafe's rules: one file per rule, named after its id. The knowledge tables they use live in
//! the analyzer (`loopsafe_analyzer::knowledge`), beside the model that derives facts from them.
//! Adding a rule is one file, one line in [`ALL`], and one folder under `fixtures/`.

pub mod await_race;
pub mod blocking_call;
pub mod sequential_await;
pub mod unbounded_fan_out;

use loopsafe_analyzer::Rule;

/// Every rule, in the order they are documented.
#[rustfmt::skip]
pub static ALL: &[&dyn Rule] = &[
    &blocking_call::BlockingCall,
    &sequential_await::SequentialAwait,
    &unbounded_fan_out::UnboundedFanOut,
    &await_race::AwaitRace,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}
