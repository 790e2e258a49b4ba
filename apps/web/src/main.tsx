// First: the shared sheet, so each feature's own sheet (imported by its panel) comes after it and may refine it.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { FEATURES } from './app/features';
import { installSocketBridge } from './app/socket-bridge';
import { unlockAudioOnFirstGesture } from './lib/chime';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

installSocketBridge(FEATURES);
unlockAudioOnFirstGesture();

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
