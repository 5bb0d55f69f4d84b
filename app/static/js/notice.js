/* The notice page's print button (a file, not inline: the page keeps a strict script policy). */
document.getElementById("print-button").addEventListener("click", function () { window.print(); });
