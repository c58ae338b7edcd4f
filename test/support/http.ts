/** The shapes HTTP tests share: a reply whose body is already read, as text and JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type Param = [string, string];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => Json;
}

export const JSON_CT = 'application/json; charset=utf-8';

export async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}
