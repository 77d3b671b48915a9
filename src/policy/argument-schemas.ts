import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { linearRegExp } from './linear-regexp.js';
import { readableErrors, violationText } from './schema-messages.js';

/** Checks a call's arguments; returns what is wrong ("/limit must be <= 500"), empty when fine. */
export type ArgumentsCheck = (args: unknown) => string[];

/**
 * Compiles the `arguments` schemas of one policy. Strict: an unknown keyword (a typo such as
 * `maxLenght`) or an unknown `format` is an error at load time, never a check silently skipped.
 * The formats JSON Schema defines (`uri`, `email`, `date-time`, `uuid`, …) are checked.
 * `pattern` and `patternProperties` run in linear time; one that cannot (a backreference, a
 * lookaround) throws an UnsupportedPatternError.
 */
export class ArgumentSchemaCompiler {
  /** Made at the first schema: a policy without any never pays for an Ajv instance. */
  private ajv: Ajv2020 | undefined;
  /**
   * Checks by their schema's JSON text: policies repeat schemas (13 of the Plex example's 46 are
   * repeats), and Ajv compiles each object it is given anew. The same text is the same check.
   */
  private readonly compiled = new Map<string, ArgumentsCheck>();

  /** Throws Ajv's error when the schema does not compile. */
  compile(schema: unknown): ArgumentsCheck {
    const text = JSON.stringify(schema);
    const known = this.compiled.get(text);
    if (known !== undefined) return known;
    this.ajv ??= withFormats(
      new Ajv2020({
        allErrors: true,
        strict: true,
        strictTypes: false,
        strictTuples: false,
        strictRequired: false,
        addUsedSchema: false,
        logger: false,
        // The policy schema already checks every schema in a policy against the 2020-12
        // meta-schema; compiling that meta-schema again here cost about 70 ms of every start.
        validateSchema: false,
        // The code Ajv generates is run as written: its optimizing pass took about a sixth of
        // compiling a policy with many schemas (the Plex example's 46), for code that checks the same.
        code: { regExp: linearRegExp, optimize: false },
      }),
    );
    const check = checkWith(this.ajv.compile(schema as object | boolean));
    this.compiled.set(text, check);
    return check;
  }
}

export function checkWith(validate: ValidateFunction): ArgumentsCheck {
  return (args) => {
    // MCP lets a call omit `arguments`; it means no arguments.
    if (validate(args === undefined ? {} : args)) return [];
    return readableErrors(validate.errors).map((error) => violationText(error, 'arguments'));
  };
}

/** ajv-formats is CommonJS; under Node's ESM loader its plugin is the `default` of its exports. */
function withFormats(ajv: Ajv2020): Ajv2020 {
  formats.default(ajv);
  return ajv;
}
