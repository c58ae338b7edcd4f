/** Clauses several DDL builders share. Identifiers are quoted, values are literals (DDL takes no parameters). */
import { quoteLiteral } from '../../shared/sql/ident.ts';
import { fail } from '../../shared/errors.ts';

export const bad = (message: string) => fail('VALIDATION_ERROR', message);

/** DROP …'s behaviour towards dependent objects. */
export const dropBehaviour = (cascade?: boolean) => (cascade ? 'CASCADE' : 'RESTRICT');

/** `COMMENT ON <target> IS …`; an empty text removes the comment. */
export const commentOn = (target: string, text: string | null | undefined) =>
  `COMMENT ON ${target} IS ${text === null || text === undefined || text === '' ? 'NULL' : quoteLiteral(text)}`;

/** A configuration parameter name (search_path, statement_timeout, app.setting). */
export function settingName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(name)) throw bad(`Invalid configuration parameter name ${JSON.stringify(name)}`);
  return name;
}

/** A setting's value; a comma-separated list (search_path) becomes a list of literals. */
export function settingValue(value: string): string {
  return value.split(',').map((v) => quoteLiteral(v.trim())).join(', ');
}
