/** The policy language: load (file -> located problems or a compiled policy), evaluate, lint. */
export { AdvertisedSchemaCompiler, compileAdvertisedSchemas, type AdvertisedSchemaCheck, type AdvertisedTool } from './advertised.js';
export type { ArgumentsCheck } from './argument-schemas.js';
export {
  CompiledPolicy,
  namespaceOfFile,
  defaultApprovalTimeoutMs,
  tryCompilePolicy,
  type CompiledLimit,
  type CompiledRule,
  type HideEntry,
  type CompileIssue,
  type CompileOptions,
  type CompileResult,
} from './compile.js';
export {
  budgetClaims,
  defaultRule,
  describeTool,
  evaluate,
  isHidden,
  type AllowDecision,
  type ApprovalRule,
  type BudgetClaim,
  type CallFacts,
  type Decision,
  type DenyCause,
  type DenyDecision,
  type ToolDescription,
} from './evaluate.js';
export {
  denyPromptByName,
  denyResourceByName,
  describeInSection,
  evaluatePrompt,
  evaluateResource,
  isPromptHidden,
  isResourceHidden,
  isTemplateHidden,
  type PromptFacts,
  type ResourceFacts,
} from './evaluate-sections.js';
export type { CompiledSection, SectionName } from './sections.js';
export { canonicalJson } from './canonical-json.js';
export { canonicalDigest, sha256Hex } from './digest.js';
export { locateFindings, type Finding } from './findings.js';
export { JsonSource } from './json-source.js';
export { lintPolicy } from './lint.js';
export { loadPolicyFile, loadPolicyText, type LoadResult } from './load.js';
export { formatProblem, hasErrors, PolicyLoadError, sortProblems, type Problem } from './problems.js';
export { policySchemaId, policySchemaUrl, readPolicySchema } from './schema.js';
export { lintAgainstServer } from './server-lint.js';
export { redactAnswer, type Redaction, type ToolAnswer } from './redaction.js';
export { evaluateServerRequest, serverRequestDefault, type ServerRequestDecision, type ServerRequestFacts } from './server-requests.js';
export type { CompiledServerRequestRule, ServerRequestKind } from './compile.js';
export type { ApprovalSettings, LimitRule, PinMode, PolicyDocument, PromptRule, ResourceRule, Scope, Section, ToolRule, WindowName } from './types.js';
