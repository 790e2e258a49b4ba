import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { installSocketBridge } from './app/socket-bridge';
import { unlockAudioOnFirstGesture } from './lib/chime';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

installSocketBridge();
unlockAudioOnFirstGesture();

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
