import { test, expect } from './fixtures';

test('the app loads, the worker reports its WebGPU adapter after its kernel self-check', async ({ page, problems }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/MoleculeSDE/);
  const status = page.getByRole('status', { name: 'Engine status' });
  // 'ready' is only sent after the worker ran a relu kernel on the GPU and checked its result.
  await expect(status).toContainText('WebGPU ready', { timeout: 120_000 });
  await expect(status).toContainText(/swiftshader/i);
  expect(problems.errors).toEqual([]);
});

test('without WebGPU the app says so and how to get it', async ({ page }) => {
  // Simulate a browser without WebGPU: hide navigator.gpu before any app script runs.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'WebGPU is not available here' })).toBeVisible();
  await expect(page.getByText('--enable-unsafe-webgpu').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
});
