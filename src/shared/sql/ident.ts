/**
 * The only place SQL identifiers are turned into text. Values always travel as
 * parameters; identifiers cannot, so they are quoted here.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte');
  return '"' + name.replace(/"/g, '""') + '"';
}

export const qualified = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/** A string literal, for the few places (COPY options, DDL defaults) where PostgreSQL takes no parameters. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('literal contains a NUL byte');
  return "E'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}
