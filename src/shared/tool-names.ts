/**
 * The longest tool name policy-wrap accepts, in UTF-16 code units (characters, for the ASCII names
 * MCP recommends). MCP says a tool name SHOULD have at most 128 characters; twice that leaves room
 * for servers that prefix or namespace their names past the recommendation, while no name the
 * wrapper remembers (rule choices, advertised schemas, audit lines) can be large. A call to a longer
 * name is refused before the policy sees it.
 */
export const MAX_TOOL_NAME_LENGTH = 256;
