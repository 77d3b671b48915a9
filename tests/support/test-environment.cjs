// Wrappers started by the tests keep their counters in memory unless a test chooses a store, so the
// suite never touches the user's state directory and runs never share budgets by accident.
process.env.POLICY_WRAP_STATE ??= 'memory';
