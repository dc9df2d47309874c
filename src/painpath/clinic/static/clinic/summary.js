// The summary's "Copy the text" button: shown only where the browser can copy.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-copy-target]");
  if (!button || !navigator.clipboard) return;
  const area = document.getElementById(button.dataset.copyTarget);
  const status = document.querySelector("[data-copy-status]");
  button.hidden = false;
  button.addEventListener("click", async () => {
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
      if (status) status.textContent = button.dataset.copied;
    } catch (error) {
      document.execCommand("copy");
    }
  });
});
