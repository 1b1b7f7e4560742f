"""chaoslib - the chaos tests' helpers (tests/chaos/, docs/recovery.md
"Chaos test"): processes (rig), the venue's admin API (venue), the
engine's journal (journal), the safety checks (checks), fault profiles
(profiles), the kill/restart scenario (scenario) and the closing report
(report)."""
