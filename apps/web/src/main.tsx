import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { FEATURES } from './app/features';
import { installSocketBridge } from './app/socket-bridge';
import { unlockAudioOnFirstGesture } from './lib/chime';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

installSocketBridge(FEATURES);
unlockAudioOnFirstGesture();

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
