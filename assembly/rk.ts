// Runge–Kutta step kernels: the stage sum y + h·Σ a_ij k_j and the fused error-ratio norm.
