import type { Output } from './output.js';

/** Runs `work` under an ora spinner on a TTY; plain otherwise. ora loads only when shown. */
export async function withSpinner<T>(out: Output, text: string, work: () => Promise<T>): Promise<T> {
  if (!out.interactive) return work();
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: out.stderr, color: 'cyan', isEnabled: out.color || undefined }).start();
  try {
    const result = await work();
    spinner.stop();
    return result;
  } catch (error) {
    spinner.stop();
    throw error;
  }
}
