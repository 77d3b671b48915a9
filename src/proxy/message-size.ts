/**
 * The longest line the relay accepts in either direction, newline not counted, unless told
 * otherwise (--max-message-bytes). In a module of its own so that the CLI's option list can name
 * it without loading the relay.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
