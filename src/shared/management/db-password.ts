/**
 * How strong a Management API project's database password (db_pass) must be. The password
 * is the project owner's PostgreSQL login, reachable wherever the database port is, so
 * guessable ones are refused at creation. Supabase's dashboard demands a strong password
 * too (a zxcvbn score); this rule is simpler and stated exactly in the error message.
 */
export const DB_PASS_MIN_LENGTH = 12;
/** Long passphrases need no character mix. */
export const DB_PASS_PASSPHRASE_LENGTH = 20;
const MIN_DISTINCT = 6;

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/];

export const DB_PASS_RULE =
  `db_pass must be at least ${DB_PASS_MIN_LENGTH} characters with at least three of lowercase letters, uppercase letters, digits and symbols ` +
  `(or at least ${DB_PASS_PASSPHRASE_LENGTH} characters), and not mostly one repeated character`;

/** True when `password` meets DB_PASS_RULE. */
export function isStrongDbPassword(password: string): boolean {
  const length = [...password].length;
  if (length < DB_PASS_MIN_LENGTH) return false;
  if (new Set(password).size < MIN_DISTINCT) return false;
  if (length >= DB_PASS_PASSPHRASE_LENGTH) return true;
  return CLASSES.filter((c) => c.test(password)).length >= 3;
}
