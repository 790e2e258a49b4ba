/** The full URL a device posts one sensor's readings to; `ingestPath` holds a `{sensorId}` placeholder. */
export function ingestUrl(origin: string, ingestPath: string, sensorId: string): string {
  return `${origin}${ingestPath.replace('{sensorId}', encodeURIComponent(sensorId))}`;
}

/** A curl command that posts one reading, ready to paste into a shell. */
export function ingestExample(url: string, token: string): string {
  return [
    `curl -X POST '${url}' \\`,
    `  -H 'Authorization: Bearer ${token}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"humidity": 45.2, "temperature": 71.3}'`,
  ].join('\n');
}
