/* A table wider than the screen scrolls inside its box (.table-wrap); on a phone nothing
   shows that more columns wait to the right. Mark such boxes, so the stylesheet says it
   ("Vuốt ngang để xem thêm cột"), and look again when the window turns. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      box.classList.toggle("scrolls", box.scrollWidth > box.clientWidth + 2);
    });
  }
  mark();
  window.addEventListener("resize", mark);
}());
