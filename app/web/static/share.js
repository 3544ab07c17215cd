// The share links page: the Copy button next to a new link's address.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const done = button.parentElement.querySelector(".copy-done");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (done) done.textContent = "Copied.";
  } catch {
    // Without clipboard access (plain http), the address stays selected to copy by hand.
    if (done) done.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
  }
});
