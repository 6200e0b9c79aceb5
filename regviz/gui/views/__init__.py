"""One canvas per file. Each builds its plot items once per run (set_setup) and updates them in
place from the live state (render), called by the window's redraw timer."""
