/** Resolves on the event loop's next turn: other clients' work runs between two chunks of a long job. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
