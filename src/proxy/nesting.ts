/**
 * How deep a message may nest, in both directions. Readers that recurse (Python's `json`, the
 * encoders of most languages, JSON.stringify among them) fail somewhere between a few hundred and
 * a few thousand levels, and a message one side cannot read is a request nobody answers. No MCP
 * message needs more than a few dozen levels.
 */
export const MAX_NESTING_DEPTH = 128;
