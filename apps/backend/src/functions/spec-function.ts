/** A function of the specification: its definition verbatim, its arguments checked by the tightened schema. */
import { FUNCTION_DEFINITIONS, type FunctionArgs, type FunctionName } from '@class-assist/contracts';
import { defineFunction, type FunctionSpec } from './function.js';
import { enforcedSchema } from './validation.js';

export function specFunction<N extends FunctionName, R>(
  name: N,
  run: FunctionSpec<FunctionArgs[N], R>['run'],
): FunctionSpec<FunctionArgs[N], R> {
  const definition = FUNCTION_DEFINITIONS.find((fn) => fn.name === name);
  if (!definition) throw new Error(`The specification defines no function ${name}`);
  return defineFunction({ name, definition, schema: enforcedSchema(name), run });
}
