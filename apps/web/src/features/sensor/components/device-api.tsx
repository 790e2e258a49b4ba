import { DEFAULT_SENSOR_ID, SENSOR_LIMITS, type SensorIngestToken } from '@huddle/protocol';
import { useEffect, useRef, useState } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { usePermits } from '../../../stores/members-store';
import { getIngestToken, rotateIngestToken } from '../commands';
import { ingestExample, ingestUrl } from '../lib/device-api';
import { useSensorStore } from '../stores/sensor-store';

/**
 * How a real device posts readings: the space's ingest token, the URL and a curl example. The token is an
 * admin's to give (the server answers only admins): members see who to ask.
 */
export function DeviceApi() {
  const isAdmin = usePermits('admin');
  return isAdmin ? <DeviceApiPanel /> : <p className="device-api-note">Ask an admin for the device token.</p>;
}

function DeviceApiPanel() {
  const [ingest, setIngest] = useState<SensorIngestToken | null>(null);
  const [confirming, setConfirming] = useState(false);
  const sensorId = useSensorStore((s) => s.selectedSensorId) ?? DEFAULT_SENSOR_ID;
  const load = useCommand();
  const rotate = useCommand();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const rotateRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  // The button pressed disappears with the step it starts: keep the keyboard focus in the flow.
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (wasConfirming.current) rotateRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  async function handleToggle(open: boolean) {
    setConfirming(false);
    // Fetched on every opening: someone may have rotated the token since.
    if (!open) return;
    const ack = await load.run(getIngestToken);
    if (ack?.ok) setIngest(ack.data);
  }

  async function handleRotate() {
    const ack = await rotate.run(rotateIngestToken);
    if (!ack?.ok) return;
    setIngest(ack.data);
    setConfirming(false);
    rotate.feedback.show('New token in place: the old one no longer works. Update your devices.', 'info');
  }

  const url = ingest === null ? null : ingestUrl(window.location.origin, ingest.ingestPath, sensorId);

  return (
    <details className="device-api" onToggle={(event) => void handleToggle(event.currentTarget.open)}>
      <summary className="device-api__summary">Device API</summary>
      <div className="device-api__body" aria-busy={load.pending}>
        <p className="device-api__lead">
          Devices send readings over HTTP with this space's ingest token. Anyone holding it can add readings here.
        </p>
        <InlineAlert flash={load.feedback.flash} onDismiss={load.feedback.dismiss} />
        {ingest === null || url === null ? (
          load.pending && <p className="device-api__loading">Loading the token…</p>
        ) : (
          <>
            <dl className="device-api__facts">
              <div>
                <dt>Ingest token</dt>
                <dd className="device-api__copyable">
                  <code data-testid="ingest-token">{ingest.token}</code>
                  <CopyButton text={ingest.token} label="Copy token" />
                </dd>
              </div>
              <div>
                <dt>URL for sensor “{sensorId}”</dt>
                <dd className="device-api__copyable">
                  <code data-testid="ingest-url">{url}</code>
                  <CopyButton text={url} label="Copy URL" />
                </dd>
              </div>
            </dl>
            <div className="device-api__example">
              <div className="device-api__example-head">
                <h4 className="device-api__heading">Example</h4>
                <CopyButton text={ingestExample(url, ingest.token)} label="Copy example" />
              </div>
              <pre className="device-api__code">
                <code>{ingestExample(url, ingest.token)}</code>
              </pre>
              <p className="device-api__note">
                Temperature in °F. Optional <code>at</code>: epoch ms or ISO 8601 time. Send up to{' '}
                {SENSOR_LIMITS.maxBatch.toLocaleString('en')} at once as <code>{'{"readings": [ … ]}'}</code>. Any
                sensor id of letters, digits, <code>-</code> and <code>_</code> works, up to{' '}
                {SENSOR_LIMITS.maxSensorsPerSpace} per space.
              </p>
            </div>
            <div className="device-api__rotate">
              {confirming ? (
                <div className="device-api__confirm">
                  <p>Devices using the current token will be refused until they get the new one.</p>
                  <div className="device-api__confirm-actions">
                    <button
                      ref={confirmRef}
                      type="button"
                      className="button button--primary button--small"
                      disabled={rotate.pending}
                      onClick={() => void handleRotate()}
                    >
                      Rotate now
                    </button>
                    <button
                      type="button"
                      className="button button--ghost button--small"
                      disabled={rotate.pending}
                      onClick={() => setConfirming(false)}
                    >
                      Cancel
                    </button>
                  </div>
                </div>
              ) : (
                <button
                  ref={rotateRef}
                  type="button"
                  className="button button--small"
                  onClick={() => setConfirming(true)}
                >
                  Rotate token
                </button>
              )}
              <InlineAlert flash={rotate.feedback.flash} onDismiss={rotate.feedback.dismiss} />
            </div>
          </>
        )}
      </div>
    </details>
  );
}

const COPIED_VISIBLE_MS = 2000;

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), COPIED_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }

  return (
    <span className="copy-button">
      <button type="button" className="button button--small button--ghost" onClick={() => void copy()}>
        {label}
      </button>
      <span className="copy-button__status" aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text instead' : ''}
      </span>
    </span>
  );
}
