# Reference numbers for tests/test_spatial_panel.py, from R's SDPDmod 0.0.6 and splm 1.6-5 on the
# Cigar panel (plm; Baltagi & Levin 1992: 46 US states x 1963-1992) with SDPDmod's usa46 binary
# contiguity matrix, row-standardised. Not run by the tests (they read the CSVs it wrote):
#   apt-get install r-base-core r-cran-plm r-cran-spdep r-cran-spatialreg r-cran-maxlik \
#     r-cran-bdsmatrix r-cran-spam r-cran-stringr r-cran-rspectra r-cran-sf r-cran-sp
#   R CMD INSTALL <splm source> <SDPDmod source>      (CRAN sources of those versions)
#   Rscript tests/reference/spatial_r_reference.R tests/data/spatial
suppressMessages({library(plm); library(splm); library(SDPDmod); library(spdep)})
out <- commandArgs(trailingOnly = TRUE)[1]
data("Cigar", package = "plm"); data("usa46", package = "SDPDmod")
d <- Cigar
d$logc <- log(d$sales); d$logp <- log(d$price / d$cpi); d$logy <- log(d$ndi / d$cpi)
write.csv(d[, c("state", "year", "logc", "logp", "logy")], file.path(out, "cigar.csv"), row.names = FALSE)
write.csv(usa46, file.path(out, "usa46.csv"), row.names = FALSE)
W <- rownor(usa46)
rows <- list()
add <- function(source, model, effect, lee_yu, term, estimate, se) {
  rows[[length(rows) + 1]] <<- data.frame(source = source, model = model, effect = effect, lee_yu = lee_yu,
                                          term = term, estimate = estimate, std_error = se)
}
for (spec in list(c("sar", "individual", "FALSE"), c("sar", "twoways", "FALSE"), c("sdm", "twoways", "FALSE"),
                  c("sar", "individual", "TRUE"), c("sar", "twoways", "TRUE"), c("sdm", "twoways", "TRUE"),
                  c("sar", "time", "FALSE"))) {
  m <- SDPDm(logc ~ logp + logy, data = d, W = W, index = c("state", "year"), model = spec[1],
             effect = spec[2], LYtrans = as.logical(spec[3]))
  est <- m$coefficients; se <- m$std
  add("SDPDmod", spec[1], spec[2], spec[3], names(est), as.numeric(est), as.numeric(se))
  add("SDPDmod", spec[1], spec[2], spec[3], "rho", as.numeric(m$rho), as.numeric(m$rho.se))
  add("SDPDmod", spec[1], spec[2], spec[3], "sigma2_e", as.numeric(m$sige), NA)
  if (spec[1] == "sdm") {
    imp <- impactsSDPDm(m, NSIM = 1000)
    for (kind in c("DIRECT", "INDIRECT", "TOTAL")) {
      tab <- imp[[paste0(kind, ".tab")]]
      add("SDPDmod", spec[1], spec[2], spec[3], paste0(tolower(kind), ":", rownames(tab)),
          as.numeric(tab[, 1]), as.numeric(tab[, 2]))
    }
  }
  add("SDPDmod", spec[1], spec[2], spec[3], "loglik", as.numeric(m$likl), NA)
}
lw <- mat2listw(usa46, style = "W")
for (spec in list(c("lag", "individual"), c("lag", "twoways"), c("error", "individual"), c("error", "twoways"),
                  c("lag", "time"), c("error", "time"))) {
  m <- spml(logc ~ logp + logy, data = d, index = c("state", "year"), listw = lw, model = "within",
            effect = spec[2], lag = spec[1] == "lag", spatial.error = if (spec[1] == "error") "b" else "none")
  est <- c(coef(m)); se <- sqrt(diag(vcov(m))); names(se) <- names(est)
  add("splm", if (spec[1] == "lag") "sar" else "sem", spec[2], "FALSE", names(est), as.numeric(est), as.numeric(se[names(est)]))
  add("splm", if (spec[1] == "lag") "sar" else "sem", spec[2], "FALSE", "sigma2_e", as.numeric(m$sigma2), NA)
  add("splm", if (spec[1] == "lag") "sar" else "sem", spec[2], "FALSE", "loglik", as.numeric(m$logLik), NA)
}
# SDM = SAR with the spatial lags of the regressors as extra regressors (W X_t within each year)
wx <- function(v) { out <- v; for (yr in unique(d$year)) { i <- d$year == yr; out[i] <- W %*% v[i][order(d$state[i])] }; out }
d <- d[order(d$year, d$state), ]
d$W.logp <- wx(d$logp); d$W.logy <- wx(d$logy)
for (effect in c("individual", "twoways")) {
  m <- spml(logc ~ logp + logy + W.logp + W.logy, data = d, index = c("state", "year"), listw = lw,
            model = "within", effect = effect, lag = TRUE, spatial.error = "none")
  est <- c(coef(m)); se <- sqrt(diag(vcov(m))); names(se) <- names(est)
  add("splm", "sdm", effect, "FALSE", names(est), as.numeric(est), as.numeric(se))
  add("splm", "sdm", effect, "FALSE", "sigma2_e", as.numeric(m$sigma2), NA)
  add("splm", "sdm", effect, "FALSE", "loglik", as.numeric(m$logLik), NA)
}
write.csv(do.call(rbind, rows), file.path(out, "cigar_r_reference.csv"), row.names = FALSE)
