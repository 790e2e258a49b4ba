import { describe, expect, it } from 'vitest';
import { ingestExample, ingestUrl } from './device-api';

describe('device API help', () => {
  it('fills the sensor id into the ingest path', () => {
    expect(ingestUrl('https://huddle.example', '/api/spaces/team-a/sensors/{sensorId}/readings', 'lab_2')).toBe(
      'https://huddle.example/api/spaces/team-a/sensors/lab_2/readings',
    );
  });

  it('writes a curl command with the token and a JSON reading', () => {
    const example = ingestExample('https://h.example/api/x', 'tok-123');
    expect(example).toContain("curl -X POST 'https://h.example/api/x'");
    expect(example).toContain("-H 'Authorization: Bearer tok-123'");
    expect(example).toContain(`-d '{"humidity": 45.2, "temperature": 71.3}'`);
  });
});
