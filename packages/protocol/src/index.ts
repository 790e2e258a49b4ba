export * from './ack.js';
export * from './events.js';
export * from './schemas/common.js';
export * from './schemas/pomodoro.js';
export * from './schemas/session.js';
export * from './version.js';
