/**
 * Job payloads and results as an operator may see them in the queue dashboard: secrets replaced
 * by "[redacted]". A migration's SQL may set a role's PASSWORD; any string may hold a connection
 * URL with a password; an object may carry a key, token or password under a telling name.
 */
export const REDACTED = '[redacted]';

const SECRET_NAME = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|private[-_]?key|licen[cs]e[-_]?key|master[-_]?key|credential|connection[-_]?string|(database|db|redis|rest)[-_]?url$|^dsn$/i;
/** scheme://user:password@host: the password. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi;
/**
 * PASSWORD '…' (also E'…' and dollar quotes) in SQL: CREATE/ALTER ROLE, CREATE USER MAPPING … OPTIONS (password '…').
 * An unterminated literal (a statement cut short in an error message) is hidden to the end.
 */
const SQL_PASSWORD = /(\bpassword\s*(?:=\s*)?)(E?'(?:[^']|'')*'?|(\$[A-Za-z_0-9]*\$)[\s\S]*?(?:\3|$))/gi;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(SQL_PASSWORD, `$1'${REDACTED}'`);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_NAME.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactSecrets(v, depth + 1)]),
  );
}
