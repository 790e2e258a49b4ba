/**
 * A client-generated id for a command a retry must not repeat (a message, a purchase): 32 hex
 * characters. `crypto.randomUUID` exists only on secure origins; a LAN http origin has none.
 */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
