// Pause / resume delivery. The label says what pressing it will do.

import type { AppState, Bridge } from '../shared/bridge';
import { byId, setText } from './dom';

export class PauseButton {
  private readonly button = byId('pause', HTMLButtonElement);
  private paused = false;

  constructor(
    private readonly bridge: Bridge,
    private readonly onError: (message: string) => void,
  ) {
    this.button.addEventListener('click', () => void this.toggle());
  }

  update(state: AppState): void {
    this.paused = state.paused;
    setText(this.button, state.paused ? 'Resume delivery' : 'Pause delivery');
  }

  private async toggle(): Promise<void> {
    const r = this.paused ? await this.bridge.resume() : await this.bridge.pause();
    if (!r.ok) {
      this.onError(r.error.message);
      return;
    }
    this.paused = r.value.paused;
    setText(this.button, this.paused ? 'Resume delivery' : 'Pause delivery');
  }
}
