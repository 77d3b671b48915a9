import { isPromptHidden, isResourceHidden, isTemplateHidden, type CompiledPolicy } from '../policy/index.js';

/** Where each list keeps its items, and which member names an item. */
const lists: Record<string, { items: string; name: string; hidden: (policy: CompiledPolicy, name: string) => boolean }> = {
  'resources/list': { items: 'resources', name: 'uri', hidden: isResourceHidden },
  'resources/templates/list': { items: 'resourceTemplates', name: 'uriTemplate', hidden: isTemplateHidden },
  'prompts/list': { items: 'prompts', name: 'name', hidden: isPromptHidden },
};

/**
 * A resources/list, resources/templates/list or prompts/list page as the client is to see it:
 * hidden items left out. Undefined when nothing is left out, so the server's bytes go on as they
 * came. An item without a readable name is judged as the empty name.
 */
export function filterSectionList(policy: CompiledPolicy, method: string, result: Record<string, unknown>): Record<string, unknown> | undefined {
  const list = lists[method];
  const items = list === undefined ? undefined : result[list.items];
  if (list === undefined || !Array.isArray(items)) return undefined;
  const kept = items.filter((item: unknown) => !list.hidden(policy, nameOf(item, list.name)));
  return kept.length === items.length ? undefined : { ...result, [list.items]: kept };
}

function nameOf(item: unknown, member: string): string {
  const value = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[member] : undefined;
  return typeof value === 'string' ? value : '';
}
