#!/usr/bin/env python3
"""Hourly profiles of the Lạng Sơn grid for `lsflow timeseries` (8,760 hours, calendar year 2021).

    scripts/make_langson_profiles.py [OUT.csv]      # default: networks/langson/profiles/langson-2021.csv

Python 3 standard library only; fixed random seed, so the output is the same on every run (the CSV in
the repository is this script's output). How each profile is built, and which numbers are facts and
which are assumptions, is in networks/langson/profiles/README.md; FACTS.md below is
/work/shared/langson/FACTS.md (tags [S] [C] [R] [A] as there).

Columns (format: core/study/profiles.hpp)
  load:<zone>   per unit of the scenario's load in that zone (the base case is the evening peak, so the
                province's sum peaks at 1.000 and averages 0.465, the load factor of README calibration)
  wind:<zone>   per unit of the installed MW of every wind farm in that district
  solar:*       per unit of installed MWp, every rooftop solar unit
  hydro:*       per unit of installed MW, every hydro plant (small run-of-river)
Hour 0 is 1 January 2021, 00:00-01:00 local time (UTC+7); 1 January 2021 was a Friday.
"""
import math
import os
import random
import sys

SEED = 2021
HOURS = 8760
YEAR_START_WEEKDAY = 4  # 0 = Monday; 1 Jan 2021 was a Friday
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

# ---- load -------------------------------------------------------------------------------------------
# 2021 evening-peak loads by district (MW), residential / industrial: networks/langson/README.md,
# "Loads (2021 evening peak)" (grid.yaml's `loads`, summed by the zone of their bus).
ZONES = [
    ("LangSonCity", 62, 3),
    ("CaoLoc", 39, 9),
    ("VanLang", 7, 1),
    ("HuuLung", 19, 12),
    ("ChiLang", 11, 12),
    ("LocBinh", 11, 8),
    ("DinhLap", 6, 1),
    ("VanQuan", 6, 1),
    ("BinhGia", 5, 1),
    ("BacSon", 6, 1),
    ("TrangDinh", 8, 1),
]
LOAD_FACTOR = 0.465  # README calibration (FACTS.md Demand: 0.42-0.48 / 0.45-0.5 [A]; 2015: 0.459 [C])

# Residential day, fraction of that day's evening peak, hours 0..23 (local). FACTS.md Demand: mostly
# residential, evening peak ~18:00-21:00; northern-region peak windows 11:30-15:00 and 20:00-23:00 [C].
# Summer days carry a midday (air-conditioning) plateau; winter days a sharper evening peak
# (lighting, cooking, some heating in the mountains) and a deeper night. Shapes: assumption.
RES_SUMMER = [0.50, 0.46, 0.43, 0.41, 0.41, 0.44, 0.50, 0.56, 0.60, 0.63, 0.66, 0.70, 0.72, 0.70,
              0.68, 0.67, 0.68, 0.76, 0.92, 1.00, 0.98, 0.90, 0.76, 0.61]
RES_WINTER = [0.40, 0.36, 0.34, 0.33, 0.34, 0.40, 0.50, 0.58, 0.55, 0.52, 0.52, 0.55, 0.53, 0.49,
              0.47, 0.49, 0.56, 0.78, 0.97, 1.00, 0.93, 0.80, 0.62, 0.47]
# Month weight of the summer shape (1 = summer shape, 0 = winter shape).
SUMMER_WEIGHT = [0.0, 0.0, 0.15, 0.4, 0.75, 1.0, 1.0, 1.0, 0.85, 0.5, 0.2, 0.0]
# Seasonal shape of the daily peak by month: the northern region peaks in the summer heat (June-July,
# air conditioning) and is lowest in the cool months and at Tết (February). Its amplitude is then
# calibrated (see make_load) so that the province's load factor is LOAD_FACTOR. [A]
RES_MONTH = [0.62, 0.56, 0.60, 0.70, 0.85, 0.96, 0.96, 0.91, 0.83, 0.73, 0.67, 0.65]

# Industrial day: flatter, day shifts; reduced in the evening-peak price window. [A]
IND_DAY = [0.74, 0.73, 0.72, 0.72, 0.72, 0.75, 0.82, 0.92, 0.98, 1.00, 0.99, 0.94, 0.86, 0.98,
           1.00, 1.00, 0.97, 0.90, 0.86, 0.86, 0.86, 0.84, 0.80, 0.76]
IND_MONTH = [0.97, 0.88, 0.97, 0.99, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00]
IND_SUNDAY = 0.80
# Public holidays 2021 (day of year, 0-based): Tết 10-16 Feb, Hùng Kings 21 Apr, 30 Apr-1 May,
# National Day 2-3 Sep. Industry runs at a fraction; households as on a Sunday.
def _doy(month, day):
    return sum(MONTH_DAYS[: month - 1]) + day - 1


TET = set(range(_doy(2, 10), _doy(2, 16) + 1))
HOLIDAYS = TET | {_doy(4, 21), _doy(4, 30), _doy(5, 1), _doy(9, 2), _doy(9, 3)}

# ---- wind -------------------------------------------------------------------------------------------
# Target capacity factor by district. FACTS.md Wind: CF ≈ 25-35 % at 5.9-6.6 m/s, stronger in the NE
# monsoon (Oct-Mar) [A]; masts Cao Lộc 6.6, Văn Quan 6.4, Lộc Bình 5.9 m/s [C: baophapluat.vn] set the
# order; Chi Lăng and Đình Lập have no mast in the facts: assumption, between.
WIND_CF = [("LocBinh", 0.27), ("DinhLap", 0.29), ("ChiLang", 0.29), ("VanQuan", 0.31), ("CaoLoc", 0.33)]
# Monthly multiplier of the Weibull scale: NE monsoon October-March strong, summer weak. [A]
WIND_MONTH = [1.14, 1.12, 1.06, 0.96, 0.88, 0.84, 0.83, 0.82, 0.90, 1.04, 1.14, 1.16]
# Mild diurnal cycle (stronger in the afternoon on inland ridges). [A]
WIND_DIURNAL = [0.98, 0.97, 0.97, 0.96, 0.96, 0.96, 0.97, 0.98, 0.99, 1.00, 1.02, 1.04, 1.05,
                1.06, 1.06, 1.05, 1.04, 1.02, 1.01, 1.00, 1.00, 0.99, 0.99, 0.98]
WEIBULL_K = 2.0
TAU_SYNOPTIC_H = 36.0   # correlation time of the weather common to all districts
TAU_LOCAL_H = 8.0       # and of each district's own part
SHARE_SYNOPTIC = 0.7    # variance share of the common part: district-to-district correlation ≈ 0.7
CUT_IN, RATED, CUT_OUT = 3.0, 11.5, 25.0   # m/s, generic 3-4 MW turbine class
WIND_LOSSES = 0.12      # wake, availability, electrical: the farm's maximum is 0.88 of installed

# ---- solar ------------------------------------------------------------------------------------------
# FACTS.md Generation: northern Vietnam ~3.7 kWh/m²/day → ~1,000-1,150 kWh/kWp/year [C][A]: the middle.
SOLAR_KWH_PER_KWP = 1075.0
LAT_DEG, LON_DEG, UTC_OFFSET_H = 21.85, 106.76, 7.0   # Lạng Sơn city
# Mean daily clearness by month: drizzly, overcast late winter and spring (Feb-Apr), clearer autumn. [A]
SOLAR_CLEARNESS = [0.45, 0.36, 0.34, 0.40, 0.52, 0.52, 0.52, 0.52, 0.56, 0.60, 0.58, 0.52]

# ---- hydro ------------------------------------------------------------------------------------------
# Small run-of-river plants follow river flow: rainy season May-October. Matches the scenario presets
# (core/study/scenario.hpp: dry 25 %, wet 90 %) at the seasons' extremes. [A]
HYDRO_MONTH = [0.26, 0.23, 0.22, 0.27, 0.45, 0.72, 0.88, 0.90, 0.76, 0.52, 0.36, 0.29]


def month_of_hour(h):
    d = h // 24
    for m, n in enumerate(MONTH_DAYS):
        if d < n:
            return m
        d -= n
    raise ValueError(h)


def norm_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def ar1(rng, n, tau, sigma=1.0):
    """Stationary Gaussian AR(1) series with correlation time `tau` samples and standard deviation sigma."""
    phi = math.exp(-1.0 / tau)
    s = math.sqrt(1.0 - phi * phi)
    x = rng.gauss(0.0, 1.0)
    out = []
    for _ in range(n):
        out.append(sigma * x)
        x = phi * x + s * rng.gauss(0.0, 1.0)
    return out


def bisect(f, lo, hi, target, steps=60):
    """x in [lo, hi] with f(x) = target, f increasing."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def make_load(rng):
    n_days = HOURS // 24
    # Weather spells lasting days, unit variance; scaled below by the season: ±3 % in the cool months,
    # ±15 % in summer, where heat waves make the annual peak (air conditioning). [A]
    res_day_noise = ar1(rng, n_days, 3.0, 1.0)
    ind_day_noise = ar1(rng, n_days, 5.0, 0.02)
    res_hour_noise = ar1(rng, HOURS, 2.0, 0.015)
    ind_hour_noise = ar1(rng, HOURS, 2.0, 0.02)
    res_mw = sum(z[1] for z in ZONES)
    ind_mw = sum(z[2] for z in ZONES)

    # Residential level of day d: 1 − a·(1 − RES_MONTH[m]) with the weather on top; the amplitude a is
    # the one free parameter, chosen so that the province's mean over its peak is LOAD_FACTOR. The
    # daily shapes (night/evening ratios) stay as written above. A load factor this low with 22 % of
    # fairly flat industrial load needs a needle peak (summer heat) and low winter nights: the
    # province's 5th percentile comes out near 0.27 of the peak (README.md here).
    def shapes(a):
        res, ind = [], []
        for h in range(HOURS):
            d, hod, m = h // 24, h % 24, month_of_hour(h)
            weekday = (YEAR_START_WEEKDAY + d) % 7
            w = SUMMER_WEIGHT[m]
            shape = w * RES_SUMMER[hod] + (1.0 - w) * RES_WINTER[hod]
            level = 1.0 - a * (1.0 - RES_MONTH[m])
            r = shape * level * (1.0 + (0.03 + 0.12 * w) * res_day_noise[d]) * (1.0 + res_hour_noise[h])
            if weekday >= 5 or d in HOLIDAYS:
                r *= 0.98
            i = IND_DAY[hod] * IND_MONTH[m] * (1.0 + ind_day_noise[d]) * (1.0 + ind_hour_noise[h])
            if d in TET:
                i *= 0.45
            elif d in HOLIDAYS or weekday == 6:
                i *= IND_SUNDAY
            res.append(max(r, 0.05))
            ind.append(max(i, 0.05))
        return res, ind

    def province(a):
        res, ind = shapes(a)
        p = [(res_mw * x + ind_mw * y) / (res_mw + ind_mw) for x, y in zip(res, ind)]
        return res, ind, p, max(p)

    def load_factor(a):
        _, _, p, mx = province(a)
        return sum(p) / len(p) / mx

    amplitude = bisect(lambda a: -load_factor(a), 0.0, 1.6, -LOAD_FACTOR, steps=40)
    res, ind, _, peak = province(amplitude)
    cols = {}
    for zone, r_mw, i_mw in ZONES:
        cols["load:" + zone] = [(r_mw * x + i_mw * y) / (r_mw + i_mw) / peak for x, y in zip(res, ind)]
    return cols, amplitude


def power_curve(v):
    if v < CUT_IN or v >= CUT_OUT:
        return 0.0
    if v >= RATED:
        return 1.0 - WIND_LOSSES
    return (1.0 - WIND_LOSSES) * (v ** 3 - CUT_IN ** 3) / (RATED ** 3 - CUT_IN ** 3)


def make_wind(rng):
    common = ar1(rng, HOURS, TAU_SYNOPTIC_H)
    cols = {}
    for zone, cf in WIND_CF:
        local = ar1(rng, HOURS, TAU_LOCAL_H)
        # Standard normal z → uniform → Weibull(k) with unit scale (inverse CDF).
        unit = []
        for h in range(HOURS):
            z = math.sqrt(SHARE_SYNOPTIC) * common[h] + math.sqrt(1.0 - SHARE_SYNOPTIC) * local[h]
            u = min(max(norm_cdf(z), 1e-12), 1.0 - 1e-12)
            unit.append((-math.log(1.0 - u)) ** (1.0 / WEIBULL_K) * WIND_MONTH[month_of_hour(h)] * WIND_DIURNAL[h % 24])

        def mean_cf(scale):
            return sum(power_curve(scale * x) for x in unit) / HOURS

        scale = bisect(mean_cf, 1.0, 20.0, cf)
        cols["wind:" + zone] = [power_curve(scale * x) for x in unit]
    return cols


def solar_elevation_sin(h):
    """sin(solar elevation) at the middle of hour h (local time), Lạng Sơn (NOAA low-precision formulas)."""
    doy = h // 24
    t_local = h % 24 + 0.5
    g = 2.0 * math.pi / 365.0 * (doy + (t_local - 12.0) / 24.0)
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    eot_min = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                        - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))
    solar_time = t_local + (eot_min + 4.0 * LON_DEG - 60.0 * UTC_OFFSET_H) / 60.0
    hour_angle = math.radians(15.0 * (solar_time - 12.0))
    lat = math.radians(LAT_DEG)
    return math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)


def make_solar(rng):
    n_days = HOURS // 24
    day_noise = ar1(rng, n_days, 2.0, 1.0)
    hour_noise = ar1(rng, HOURS, 1.5, 0.12)
    raw = []
    for h in range(HOURS):
        s = solar_elevation_sin(h)
        if s <= 0.0:
            raw.append(0.0)
            continue
        air_mass = 1.0 / max(s, 0.035)
        clear_sky = 1.0 * s * 0.7 ** (air_mass ** 0.678)   # kW/m², Meinel
        k_mean = SOLAR_CLEARNESS[month_of_hour(h)]
        # Daily clearness around the month's mean (bounded), and passing clouds hour by hour.
        k_day = min(max(k_mean * (1.0 + 0.45 * day_noise[h // 24]), 0.08), 0.95)
        k = min(max(k_day * (1.0 + hour_noise[h]), 0.03), 1.0)
        raw.append(clear_sky * k / 0.75)   # 0.75: typical clear-sky clearness
    # Scale (performance ratio, orientation) so that the year gives SOLAR_KWH_PER_KWP; cap at 0.9.
    scale = bisect(lambda c: sum(min(c * x, 0.9) for x in raw), 0.1, 5.0, SOLAR_KWH_PER_KWP)
    return {"solar:*": [min(scale * x, 0.9) for x in raw]}


def make_hydro(rng):
    n_days = HOURS // 24
    flow = ar1(rng, n_days, 6.0, 0.12)   # rain events: river flow persists for days
    out = []
    for h in range(HOURS):
        m = month_of_hour(h)
        # Interpolate between month midpoints so the seasons change smoothly.
        day = h / 24.0
        mid = sum(MONTH_DAYS[:m]) + MONTH_DAYS[m] / 2.0
        nxt = (m + 1) % 12 if day >= mid else (m - 1) % 12
        span = (MONTH_DAYS[m] + MONTH_DAYS[nxt]) / 2.0
        w = min(abs(day - mid) / span, 1.0)
        base = (1.0 - w) * HYDRO_MONTH[m] + w * HYDRO_MONTH[nxt]
        out.append(min(max(base * (1.0 + flow[h // 24]), 0.08), 0.95))
    return {"hydro:*": out}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "networks", "langson", "profiles",
                                                                   "langson-2021.csv")
    rng = random.Random(SEED)
    load, amplitude = make_load(rng)
    wind = make_wind(rng)
    solar = make_solar(rng)
    hydro = make_hydro(rng)
    cols = {**load, **wind, **solar, **hydro}
    names = list(cols)

    province = [sum(cols["load:" + z][h] * (r + i) for z, r, i in ZONES) / sum(r + i for _, r, i in ZONES)
                for h in range(HOURS)]
    lines = [
        "# Lạng Sơn hourly profiles for lsflow timeseries: calendar 2021, hour 0 = 1 Jan 00:00-01:00 (UTC+7).",
        "# Made by scripts/make_langson_profiles.py (seed %d); how, and what is assumed: README.md here." % SEED,
        "# load:<zone> per unit of the scenario's zone load (province: peak %.3f, mean %.3f, seasonal amplitude %.3f);"
        % (max(province), sum(province) / HOURS, amplitude),
        "# wind:<zone>, solar:*, hydro:* per unit of installed MW.",
        ",".join(["hour"] + names),
    ]
    for h in range(HOURS):
        lines.append(",".join([str(h)] + ["%.4f" % cols[n][h] for n in names]))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out_path)

    # What the profiles come to, for the README.
    print("wrote %s: %d hours, %d columns" % (out_path, HOURS, len(names)))
    srt = sorted(province)
    print("load: province peak %.4f at hour %d, load factor %.4f, minimum %.4f, 5th percentile %.4f, "
          "hours above 0.9: %d (seasonal amplitude %.3f)"
          % (max(province), province.index(max(province)), sum(province) / HOURS, srt[0], srt[HOURS // 20],
             sum(1 for x in province if x > 0.9), amplitude))
    winter = [h for h in range(HOURS) if month_of_hour(h) in (9, 10, 11, 0, 1, 2)]
    for n in names:
        v = cols[n]
        if n.startswith("wind:"):
            e = sum(v)
            print("%-18s CF %.3f, Oct-Mar share of energy %.1f %%, max %.3f, hours at 0: %d"
                  % (n, e / HOURS, 100.0 * sum(v[h] for h in winter) / e, max(v), sum(1 for x in v if x == 0.0)))
        elif n == "solar:*":
            print("%-18s %.0f kWh/kWp, CF %.3f, max %.3f" % (n, sum(v), sum(v) / HOURS, max(v)))
        elif n == "hydro:*":
            print("%-18s CF %.3f, min %.3f, max %.3f" % (n, sum(v) / HOURS, min(v), max(v)))
        else:
            print("%-18s mean %.3f, max %.3f at hour %d, min %.3f"
                  % (n, sum(v) / HOURS, max(v), v.index(max(v)), min(v)))


if __name__ == "__main__":
    main()
