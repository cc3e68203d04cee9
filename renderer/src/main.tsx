import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureRunToken } from './api';
import { App } from './App';
import './styles.css';
import './back-office.css';

// Before anything reads the hash: `#token=...` is the run token, not a route.
captureRunToken();
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
