import { chatFeature } from '../features/chat/chat.feature';
import { clickerFeature } from '../features/clicker/clicker.feature';
import { pomodoroFeature } from '../features/pomodoro/pomodoro.feature';
import { sensorFeature } from '../features/sensor/sensor.feature';
import { spaceFeature } from '../features/space/space.feature';
import { checkFeatures } from '../lib/feature';

/** The features of a space, in the order their panels (and header controls) show: the one place a feature is added. */
export const FEATURES = checkFeatures([spaceFeature, pomodoroFeature, sensorFeature, chatFeature, clickerFeature]);
