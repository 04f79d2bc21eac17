// Fixture consent loader: loads the analytics script after opt-in.
document.addEventListener("DOMContentLoaded", () => {
  const loader = document.currentScript;
  if (loader) {
    loader.dataset.ready = "1";
  }
});
