#!/usr/bin/env python3
"""Writes scenarios/dgh-ptl.csv: the seeded starting waiting list of scenarios/dgh.toml,
shaped like a patient tracking list export (docs/scenarios.md, "The PTL file").

Wait shape (shared/reference/nhs.md): about 60% of the list within 18 weeks (59.8% in
March 2025), about 2.5% over 52 weeks (193,516 of ~7.5m in Feb 2025) and a few over 65
weeks. The same seed always writes the same file: `scripts/generate-dgh-ptl.py`.
"""
import csv
import datetime
import random
import sys

SEED = 20260302
START = datetime.date(2026, 3, 2)

# specialty: (patients on the list, procedures (name, minutes, sd, stay, equipment, share), surgeons)
SPECIALTIES = {
    "ORTHO": (620, [("Total hip replacement", 120, 20, 4, "", 0.25), ("Total knee replacement", 130, 20, 4, "", 0.25),
                    ("Knee arthroscopy", 45, 10, 0, "", 0.25), ("Carpal tunnel release", 25, 5, 0, "", 0.15),
                    ("Ankle fracture fixation", 90, 20, 2, "image_intensifier", 0.10)],
              ["ORT01", "ORT02", "ORT03", "ORT04", "ORT05", "ORT06"]),
    "GENSURG": (520, [("Laparoscopic cholecystectomy", 92, 20, 0, "", 0.35), ("Inguinal hernia repair", 77, 15, 0, "", 0.30),
                      ("Umbilical hernia repair", 69, 15, 0, "", 0.15), ("Examination under anaesthetic", 31, 8, 0, "", 0.12),
                      ("Upper GI resection", 179, 30, 5, "", 0.08)],
                ["GEN01", "GEN02", "GEN03", "GEN04", "GEN05"]),
    "URO": (330, [("Transurethral resection of prostate", 60, 15, 2, "", 0.30), ("Flexible cystoscopy", 20, 5, 0, "", 0.35),
                  ("Robotic prostatectomy", 210, 30, 3, "robot", 0.10), ("Ureteroscopy and laser", 50, 10, 0, "laser", 0.25)],
            ["URO01", "URO02", "URO03", "URO04"]),
    "GYNAE": (330, [("Abdominal hysterectomy", 120, 20, 2, "", 0.25), ("Diagnostic laparoscopy", 60, 15, 0, "", 0.35),
                    ("Hysteroscopy", 25, 8, 0, "", 0.40)],
              ["GYN01", "GYN02", "GYN03", "GYN04"]),
    "OPHTH": (420, [("Cataract extraction", 25, 5, 0, "", 0.85), ("Vitrectomy", 75, 15, 0, "laser", 0.15)],
              ["OPH01", "OPH02", "OPH03"]),
    "ENT": (280, [("Tonsillectomy", 40, 10, 1, "", 0.35), ("Septoplasty", 60, 15, 0, "", 0.30), ("Grommets", 15, 5, 0, "", 0.35)],
            ["ENT01", "ENT02", "ENT03"]),
}
PRIORITY_MIX = [("P2", 0.06), ("P3", 0.20), ("P4", 0.74)]
NAMED_SHARE = 0.6


def pick(rng, items, weight):
    u = rng.random() * sum(weight(i) for i in items)
    for i in items:
        u -= weight(i)
        if u < 0:
            return i
    return items[-1]


def waited_days(rng, priority):
    if priority == "P2":
        return rng.randint(0, 49)
    if priority == "P3":
        return min(int(rng.expovariate(1 / 55)), 300)
    u = rng.random()
    if u < 0.58:
        return rng.randint(0, 126)
    if u < 0.965:
        return rng.randint(127, 364)
    if u < 0.99:
        return rng.randint(365, 455)
    return rng.randint(456, 540)


def main(path):
    rng = random.Random(SEED)
    rows = []
    n = 0
    for code, (count, procedures, surgeons) in SPECIALTIES.items():
        for _ in range(count):
            n += 1
            priority = pick(rng, PRIORITY_MIX, lambda p: p[1])[0]
            name, minutes, sd, stay, kit, _share = pick(rng, procedures, lambda p: p[5])
            duration = max(5, min(minutes + 2 * sd, round(rng.gauss(minutes, sd))))
            duration = max(duration, minutes - 2 * sd, 5)
            listed = START - datetime.timedelta(days=waited_days(rng, priority))
            consultant = rng.choice(surgeons) if rng.random() < NAMED_SHARE else ""
            rows.append({
                "pathway_id": f"RX1{n:07d}",
                "nhs_number": f"999{rng.randint(0, 9_999_999):07d}",  # the NHS test range: no real patient
                "specialty": code,
                "procedure": name,
                "expected_duration_min": duration,
                "priority": priority,
                "clock_start": listed.isoformat(),
                "weeks_waiting": (START - listed).days // 7,
                "consultant": consultant,
                "equipment": kit,
                "length_of_stay_days": stay,
            })
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} patients written to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "scenarios/dgh-ptl.csv")
