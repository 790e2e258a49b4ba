import { useEffect, useRef, useState } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { usePermits } from '../../../stores/members-store';
import { deleteSensor } from '../commands';
import { useSensorStore } from '../stores/sensor-store';

/** "Delete sensor" for admins: the sensor on screen and every reading of it go, after a confirmation. */
export function SensorDelete() {
  const isAdmin = usePermits('admin');
  const sensorId = useSensorStore((s) => s.selectedSensorId);
  const total = useSensorStore((s) => (sensorId === null ? 0 : (s.summaries[sensorId]?.total ?? 0)));
  // The sensor whose deletion is being confirmed: picking another one cancels it.
  const [confirmingId, setConfirmingId] = useState<string | null>(null);
  const confirming = confirmingId !== null && confirmingId === sensorId;
  const remove = useCommand();
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!isAdmin) return null;

  async function handleDelete(id: string) {
    const ack = await remove.run(() => deleteSensor(id));
    setConfirmingId(null);
    if (ack?.ok) remove.feedback.show(`Sensor “${id}” and its readings were deleted.`, 'info');
  }

  return (
    <div className="sensor-delete">
      {sensorId !== null &&
        (confirming ? (
          <div className="sensor-delete__confirm">
            <p>
              Delete “{sensorId}” and all {total.toLocaleString('en')} of its readings? This cannot be undone; a device
              that sends again makes it anew.
            </p>
            <div className="sensor-delete__actions">
              <button
                ref={confirmRef}
                type="button"
                className="button button--small sensor-delete__go"
                disabled={remove.pending}
                onClick={() => void handleDelete(sensorId)}
              >
                Delete for everyone
              </button>
              <button
                type="button"
                className="button button--ghost button--small"
                disabled={remove.pending}
                onClick={() => setConfirmingId(null)}
              >
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="button button--small" onClick={() => setConfirmingId(sensorId)}>
            Delete sensor
          </button>
        ))}
      <InlineAlert flash={remove.feedback.flash} onDismiss={remove.feedback.dismiss} />
    </div>
  );
}
