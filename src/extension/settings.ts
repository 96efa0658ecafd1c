// Reads the `bnlens.*` configuration section (declared in package.json's contributes.configuration).

import * as vscode from 'vscode';
import type { ViewSettings } from '../protocol';

export function viewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('bnlens');
  const digits = config.get<number>('display.significantDigits', 4);
  // Clamp: toPrecision accepts 1–100, and more than 9 digits of a float32 is noise.
  return { significantDigits: Math.min(9, Math.max(1, Math.round(digits))) };
}
