// Taylor-mode rules (one per primitive) and their reverse-mode rules: see DESIGN.md, "The mathematics".
// Filled in by the Taylor-mode work; kept as its own file so the kernel registry stays one file per purpose.
