import type { Ack } from '@huddle/protocol';
import { useCallback, useRef, useState } from 'react';
import { isStaleAck } from '../lib/socket';
import { useFlashMessage } from './use-flash-message';

/**
 * Runs a command for a control: `pending` while it is in flight (the control is disabled, so a
 * double click sends one command) and its error as a flash message. Returns the ack, or null when
 * a command was already in flight.
 */
export function useCommand() {
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const feedback = useFlashMessage();
  const { show, dismiss } = feedback;

  const run = useCallback(
    async <T>(command: () => Promise<Ack<T>>): Promise<Ack<T> | null> => {
      if (inFlight.current) return null;
      inFlight.current = true;
      setPending(true);
      try {
        const ack = await command();
        if (ack.ok) dismiss();
        // The space was left meanwhile: its answer means nothing to the space on screen now.
        else if (!isStaleAck(ack)) show(ack.error.message);
        return ack;
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [show, dismiss],
  );

  return { pending, run, feedback };
}
